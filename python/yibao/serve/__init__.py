"""The service for hospitals, regulators and patients (issue 16), begun: the FHIR API's claims
(:mod:`yibao.serve.fhir_claims`) and Sign-In with Ethereum (:mod:`yibao.serve.siwe`)."""

__all__: list[str] = []
