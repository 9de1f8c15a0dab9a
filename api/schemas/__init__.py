"""Request and response schemas: the service's contract, separate from domain objects."""
