//! Domain event envelopes.

/// An event's topic and payload.
pub struct Event {
    pub topic: String,
    pub payload: Vec<u8>,
}
