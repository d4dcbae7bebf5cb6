// TLSFingerprint: being written.
