"""The catalogue of defect kinds: every ``Defect.kind`` the parser records.

A defect is something wrong or unusual in a message's structure; for mailward it
is a detection signal (rules read them as ``mime.defects``). Each kind is a
stable UPPER_SNAKE name with a one-line meaning; ``EVASION`` are the kinds that
mail filters are known to be evaded with. ``docs/architecture.md`` lists them.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["EVASION", "STDLIB", "DefectKind", "stdlib_kind"]


class DefectKind(StrEnum):
    # MIME structure (the stdlib parser's findings, see STDLIB)
    MISSING_BOUNDARY = "MISSING_BOUNDARY"
    START_BOUNDARY_NOT_FOUND = "START_BOUNDARY_NOT_FOUND"
    CLOSE_BOUNDARY_NOT_FOUND = "CLOSE_BOUNDARY_NOT_FOUND"
    HEADER_CONTINUATION_FIRST = "HEADER_CONTINUATION_FIRST"
    MISPLACED_ENVELOPE_HEADER = "MISPLACED_ENVELOPE_HEADER"
    MISSING_HEADER_BODY_SEPARATOR = "MISSING_HEADER_BODY_SEPARATOR"
    MULTIPART_INVARIANT_VIOLATION = "MULTIPART_INVARIANT_VIOLATION"
    MULTIPART_BAD_ENCODING = "MULTIPART_BAD_ENCODING"
    UNDECODABLE_BYTES = "UNDECODABLE_BYTES"
    BAD_BASE64 = "BAD_BASE64"
    HEADER_MISSING_VALUE = "HEADER_MISSING_VALUE"
    NON_PRINTABLE = "NON_PRINTABLE"
    OBSOLETE_HEADER = "OBSOLETE_HEADER"
    NON_ASCII_LOCAL_PART = "NON_ASCII_LOCAL_PART"
    HEADER = "HEADER"  # a header defect the stdlib gives no finer class for
    INVALID_HEADER = "INVALID_HEADER"
    MALFORMED_HEADER = "MALFORMED_HEADER"
    MESSAGE = "MESSAGE"  # a message defect the stdlib gives no finer class for
    # parts and payloads
    CONTENT_TYPE_INVALID = "CONTENT_TYPE_INVALID"
    CHARSET_UNKNOWN = "CHARSET_UNKNOWN"
    CHARSET_MISMATCH = "CHARSET_MISMATCH"
    UNDECODABLE_PAYLOAD = "UNDECODABLE_PAYLOAD"
    BAD_QUOTED_PRINTABLE = "BAD_QUOTED_PRINTABLE"
    UNKNOWN_TRANSFER_ENCODING = "UNKNOWN_TRANSFER_ENCODING"
    NUL_IN_BODY = "NUL_IN_BODY"
    HTML_UNPARSABLE = "HTML_UNPARSABLE"
    HTML_DEEP_NESTING = "HTML_DEEP_NESTING"
    ATTACHMENT_LIMIT = "ATTACHMENT_LIMIT"  # an attachment too large (or too many) to open
    ATTACHMENT_TIME_LIMIT = "ATTACHMENT_TIME_LIMIT"  # an attachment's analysis stopped at its time limit
    ATTACHMENT_UNPARSABLE = "ATTACHMENT_UNPARSABLE"  # an attachment its format's reader could not read
    CALENDAR_NO_VCALENDAR = "CALENDAR_NO_VCALENDAR"  # a calendar part without a VCALENDAR object
    HTML_ATTRIBUTES_CAPPED = "HTML_ATTRIBUTES_CAPPED"  # attributes past the bounds dropped before Lexbor
    # a remote base in an HTML part's MIME header (Content-Base / Content-Location) that
    # makes relative URLs of the markup load or link elsewhere; the detail is the base
    HTML_HEADER_BASE = "HTML_HEADER_BASE"
    FILENAME_UNPARSABLE = "FILENAME_UNPARSABLE"
    ATTACHMENT_TYPE_MISMATCH = "ATTACHMENT_TYPE_MISMATCH"
    PART_UNPARSABLE = "PART_UNPARSABLE"
    EMPTY_BODY = "EMPTY_BODY"
    # header fields
    HEADER_TOO_LONG = "HEADER_TOO_LONG"
    NUL_IN_HEADER = "NUL_IN_HEADER"
    FROM_MISSING = "FROM_MISSING"
    FROM_INVALID = "FROM_INVALID"
    FROM_MULTIPLE = "FROM_MULTIPLE"
    DATE_MISSING = "DATE_MISSING"
    DATE_INVALID = "DATE_INVALID"
    MESSAGE_ID_MISSING = "MESSAGE_ID_MISSING"
    ADDRESS_UNPARSABLE = "ADDRESS_UNPARSABLE"
    ADDRESS_NO_DOMAIN = "ADDRESS_NO_DOMAIN"
    # the whole message could not be parsed (verdict unscannable)
    RECURSION_LIMIT = "RECURSION_LIMIT"
    PARSE_ERROR = "PARSE_ERROR"


# The stdlib's defect classes (email.errors) and the kind each is recorded as.
STDLIB: dict[str, DefectKind] = {
    "NoBoundaryInMultipartDefect": DefectKind.MISSING_BOUNDARY,
    "StartBoundaryNotFoundDefect": DefectKind.START_BOUNDARY_NOT_FOUND,
    "CloseBoundaryNotFoundDefect": DefectKind.CLOSE_BOUNDARY_NOT_FOUND,
    "FirstHeaderLineIsContinuationDefect": DefectKind.HEADER_CONTINUATION_FIRST,
    "MisplacedEnvelopeHeaderDefect": DefectKind.MISPLACED_ENVELOPE_HEADER,
    "MissingHeaderBodySeparatorDefect": DefectKind.MISSING_HEADER_BODY_SEPARATOR,
    "MultipartInvariantViolationDefect": DefectKind.MULTIPART_INVARIANT_VIOLATION,
    "InvalidMultipartContentTransferEncodingDefect": DefectKind.MULTIPART_BAD_ENCODING,
    "UndecodableBytesDefect": DefectKind.UNDECODABLE_BYTES,
    "InvalidBase64PaddingDefect": DefectKind.BAD_BASE64,
    "InvalidBase64CharactersDefect": DefectKind.BAD_BASE64,
    "InvalidBase64LengthDefect": DefectKind.BAD_BASE64,
    "HeaderMissingRequiredValue": DefectKind.HEADER_MISSING_VALUE,
    "NonPrintableDefect": DefectKind.NON_PRINTABLE,
    "ObsoleteHeaderDefect": DefectKind.OBSOLETE_HEADER,
    "NonASCIILocalPartDefect": DefectKind.NON_ASCII_LOCAL_PART,
    "InvalidDateDefect": DefectKind.DATE_INVALID,
    "HeaderDefect": DefectKind.HEADER,
    "InvalidHeaderDefect": DefectKind.INVALID_HEADER,
    "MalformedHeaderDefect": DefectKind.MALFORMED_HEADER,
    "MessageDefect": DefectKind.MESSAGE,
}


def stdlib_kind(defect: object) -> DefectKind:
    """The kind a stdlib defect instance is recorded as (its nearest catalogued class)."""
    for cls in type(defect).__mro__:
        found = STDLIB.get(cls.__name__)
        if found is not None:
            return found
    return DefectKind.MESSAGE


# Kinds that structure-confusion evasions produce (read by rules as mime.evasion_defects)
EVASION: frozenset[DefectKind] = frozenset(
    {
        DefectKind.MISSING_BOUNDARY,
        DefectKind.START_BOUNDARY_NOT_FOUND,
        DefectKind.CLOSE_BOUNDARY_NOT_FOUND,
        DefectKind.MISSING_HEADER_BODY_SEPARATOR,
        DefectKind.MULTIPART_INVARIANT_VIOLATION,
        DefectKind.MULTIPART_BAD_ENCODING,
        DefectKind.BAD_BASE64,
        DefectKind.UNDECODABLE_PAYLOAD,
        DefectKind.UNKNOWN_TRANSFER_ENCODING,
        DefectKind.NUL_IN_BODY,
        DefectKind.NUL_IN_HEADER,
        DefectKind.HEADER_CONTINUATION_FIRST,
        DefectKind.CONTENT_TYPE_INVALID,
        DefectKind.FROM_MULTIPLE,
        DefectKind.PART_UNPARSABLE,
        DefectKind.HEADER_TOO_LONG,
    }
)
