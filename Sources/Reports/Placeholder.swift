// Reports: being written.
