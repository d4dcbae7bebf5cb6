// RobustnessTests: being written.
