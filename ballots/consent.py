"""The exact words people agree to when they sign a petition or report that they
voted, one version per change.

As with joining (members/consent.py): never edit a version once used, add a
new one; each signature records the version its form showed.
"""

WORDINGS = {
    1: (
        "I agree that Rank and File may hold my name, email address, branch or workplace "
        "and that I signed this petition (which shows I support its aim), to count my "
        "signature and to email me about this petition only. Organisers of my union group "
        "or region see it. I can ask for my signature to be removed at any time."
    ),
}

PLEDGE_WORDINGS = {
    1: (
        "I agree that Rank and File may record that I have voted in this ballot and count "
        "it in my branch's turnout. Organisers of my union group or region see that I "
        "reported it; everyone else sees only the numbers."
    ),
}
