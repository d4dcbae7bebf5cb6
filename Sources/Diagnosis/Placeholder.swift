// Diagnosis: being written.
