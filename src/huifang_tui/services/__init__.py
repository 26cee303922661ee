"""Services layer: owns every write; each write appends an AuditEntry in the same transaction."""
