"""The project wiring: what assembles the apps into one site. The API (`wiring.api`), the one
/ws/ socket composed from each app's frame module (`wiring.socket`), the dashboard and the
navigation, the error pages, the demo data. Only the wiring (this package and the Django entry
points beside it: settings, urls, asgi, admin) may import the apps."""
