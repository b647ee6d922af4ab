"""Pages of the organisation domain. Thin: forms validate input, services write, selectors
read. One module per area: accounts (sign-in, passwords, second factor), pages (dashboard,
directory), profile (preferences, tokens, second factor set-up), system (health, CSP reports).
"""
