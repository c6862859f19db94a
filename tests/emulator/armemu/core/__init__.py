"""The emulator's server core: everything that is not a specific Azure resource type."""
