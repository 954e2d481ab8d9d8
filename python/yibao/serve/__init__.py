"""The service for hospitals, regulators and patients (issue 16, ``yibao serve``): one FastAPI
application (:mod:`yibao.serve.app`) over a :class:`~yibao.serve.context.ServeContext`.

- sign-in and sessions: :mod:`~yibao.serve.siwe` (EIP-4361), :mod:`~yibao.serve.auth`; who an
  account is: :mod:`~yibao.serve.viewer`;
- what is shown, cut to the viewer: :mod:`~yibao.serve.views` over :mod:`~yibao.serve.reads` and
  :mod:`~yibao.serve.reads_parties` (the index) and the chain;
- the JSON API :mod:`~yibao.serve.api`, the case actions :mod:`~yibao.serve.actions`, the live
  alert feed :mod:`~yibao.serve.stream`, the index follower :mod:`~yibao.serve.follower`;
- FHIR R4B: :mod:`~yibao.serve.fhir_api` over :mod:`~yibao.serve.fhir_claims`,
  :mod:`~yibao.serve.fhir_batch`, :mod:`~yibao.serve.fhir_reads`;
- the dashboard: :mod:`~yibao.serve.pages` (``templates/``, ``static/``), :mod:`~yibao.serve.charts`;
- running it: :mod:`~yibao.serve.server`.
"""

__all__: list[str] = []
