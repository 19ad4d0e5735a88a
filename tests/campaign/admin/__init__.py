"""The organisers' campaign admin: the nominations board, meetings and their results,
elections and slates, contact links, and what each organiser reaches."""
