// PreamblesTests: being written.
