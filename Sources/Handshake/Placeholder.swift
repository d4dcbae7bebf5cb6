// Handshake: being written.
