"""Per-recipient tokens: does a URL carry the reader's identity?

Three analyses, weakest assumptions last:

* ``find_recipient_token(url, recipients)`` decodes: the address raw (as written,
  lower or upper case), URL-encoded once or twice, base64 / base64url with and
  without padding (also base64 blobs that contain the address, such as encoded
  JSON), and hex MD5 / SHA-1 / SHA-224 / SHA-256 / SHA-384 / SHA-512 of the address
  and of its lower-cased form; base32 (any case, padded or not, also embedded); hex
  digests cut to 16 or more digits; the local part and the domain in two separate
  components; a DNS-safe form (base32, hex) in the host's labels; the address
  reversed or in rot13. Confidence "high": the token *is* the address.
* ``opaque_token(url)`` flags a high-entropy identifier (a path segment or query
  value) that looks unique per message. Confidence "low": campaign ids look the same.
* ``template_tokens(batch)`` compares messages built from one template: beacon URLs
  that are identical except for one component name that component as per-recipient
  even when its value is opaque. Confidence "medium".

Everything is pure and local: nothing here fetches anything.
"""

from __future__ import annotations

from mailward.tokens.batch import TemplateToken, batch_tokens_by_message, template_tokens
from mailward.tokens.opaque import opaque_token
from mailward.tokens.recipient import (
    NO_RECIPIENTS,
    RecipientForms,
    find_recipient_token,
    is_hex_digest,
    looks_base64,
    recipient_forms,
)
from mailward.tokens.urls import url_components

__all__ = [
    "NO_RECIPIENTS",
    "RecipientForms",
    "TemplateToken",
    "batch_tokens_by_message",
    "find_recipient_token",
    "is_hex_digest",
    "looks_base64",
    "opaque_token",
    "recipient_forms",
    "template_tokens",
    "url_components",
]
