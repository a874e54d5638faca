# Built-in templates, personas, backends and JSON Schemas, installed under
# $(pkgdatadir) with the same relative layout as in the source tree.
nobase_dist_pkgdata_DATA =
