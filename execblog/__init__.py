"""The executable blog's build engine: MkDocs plugins, one concern a subpackage.

See README.md beside this file for which plugin does what at which event, in order.
"""
