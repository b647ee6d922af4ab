"""Static files in production: hashed names, compressed copies, cached for a year.

The page scripts are ES modules that import each other (`import … from "./lib/picker.js"`);
the manifest rewrites those imports to the hashed names too, so a new release never runs a
page script against a cached module of the previous one.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    support_js_module_import_aggregation = True
