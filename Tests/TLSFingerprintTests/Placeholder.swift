// TLSFingerprintTests: being written.
