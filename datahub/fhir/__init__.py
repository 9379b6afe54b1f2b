"""The FHIR channel: institutions submit FHIR R4 resources; the hub maps them to records.

``parsing`` reads a submission within bounds, ``privacy`` drops what the hub may not receive,
``mapping`` checks the resources (fhir.resources) and evaluates each field's FHIRPath
(fhirpathpy), ``service`` delivers the records as a CSV through the intake (channel ``FHIR``)
and ``outcome`` words the answer as an OperationOutcome. ``api`` is the endpoint. See
``docs/fhir.md``.
"""
