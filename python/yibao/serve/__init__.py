"""The service for hospitals, regulators and patients (issue 16): the FHIR API's claims
(:mod:`yibao.serve.fhir_claims`) so far."""

__all__: list[str] = []
