"""Data in and out of the record: FHIR R4 mapping, caseload import, subject access export.

It sits below the interfaces (the clinic pages, the API and the commands all call it) and
above the domain apps it reads and writes through their selectors and services.
"""
