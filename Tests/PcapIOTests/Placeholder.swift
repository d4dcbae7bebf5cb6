// PcapIOTests: being written.
