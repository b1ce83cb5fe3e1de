"""The local EventBridge: the keep-warm schedule that invokes functions directly, as the stack's rules do."""
