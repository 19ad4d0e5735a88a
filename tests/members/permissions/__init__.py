"""Who may do what in the admin: the scope matrix (every admin page, every role,
two worlds), a ballot shared by both worlds, each role's permissions as a literal
table, and keeping each organiser in their role's group."""
