"""The organisation domain: agencies, officials, roles, permissions, API tokens, the audit log,
notifications (`notify`), second factors, and the base socket that authenticates officials.
It imports the platform, never an app (messaging, meetings) nor the wiring."""
