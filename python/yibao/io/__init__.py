"""Readers of the files a bureau brings: policies, catalogues, enrolment lists."""
