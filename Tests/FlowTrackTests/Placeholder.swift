// FlowTrackTests: being written.
