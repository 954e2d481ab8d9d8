"""The service for hospitals, regulators and patients (issue 16), begun: the FHIR API's claims
(:mod:`yibao.serve.fhir_claims`), Sign-In with Ethereum (:mod:`yibao.serve.siwe`) and the web
application's first endpoints (:mod:`yibao.serve.app`)."""

__all__: list[str] = []
