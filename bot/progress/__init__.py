"""Progress reporting, platform-neutral: `parsing` (what staff type), `matching` (which initiative),
`service` (checks against the data, and the single write), `form` (the report form's rules)."""
