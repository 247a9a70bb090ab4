"""Pure data shared by every stage: object identity, vocabularies, annotation constants."""
