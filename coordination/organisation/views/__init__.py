"""The organisation's pages: sign-in and accounts, the profile, the agency directory."""
