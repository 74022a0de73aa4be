CREATE TABLE authorisations (id UUID PRIMARY KEY, amount_minor BIGINT NOT NULL, currency CHAR(3) NOT NULL);
