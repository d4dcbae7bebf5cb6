// PcapIO: being written.
