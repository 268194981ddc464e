"""The discrete-event model: no files, plots or command line in here."""
