// PacketDecodeTests: being written.
