CREATE TABLE enrolments (member_id UUID PRIMARY KEY, plan TEXT NOT NULL, diagnosis_codes TEXT[]);
