"""Socket.IO namespace /live."""
