"""The patient's side off chain: record encryption, the custodian's store, encryption keys,
signed requests and the flows that serve a record only through the chain's permission
(docs/rules/records.md)."""
