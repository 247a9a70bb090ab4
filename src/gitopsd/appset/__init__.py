"""The ApplicationSet controller core: generators, templates, policies."""
