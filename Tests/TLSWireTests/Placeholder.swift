// TLSWireTests: being written.
