// TLSWire: being written.
