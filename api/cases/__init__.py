"""Cases: registration, actions, the live snapshot, lists and the timeline."""
