-- Privacy fixes of issue #15.

-- 1. A named report carries no pseudonym. It used to carry the reporter's, which exports
-- printed once she erased her account: her named and her anonymous reports then showed the
-- same label, and a coordinator who had seen the named one knew the anonymous one was hers.
UPDATE incidents SET reporter_pseudonym = NULL WHERE anonymous = 0;

-- 2. People erased before this fix: their pseudonym was printed next to their former named
-- reports, so their anonymous reports get a new, random one (one per person, as before).
CREATE TEMP TABLE rekeyed AS
    SELECT reporter_pseudonym AS old, 'P-' || hex(randomblob(6)) AS new
    FROM incidents
    WHERE reporter_id IS NULL AND anonymous = 1 AND reporter_pseudonym IS NOT NULL
    GROUP BY reporter_pseudonym;
UPDATE incidents
    SET reporter_pseudonym = (SELECT new FROM rekeyed WHERE old = incidents.reporter_pseudonym)
    WHERE reporter_id IS NULL AND anonymous = 1
        AND reporter_pseudonym IN (SELECT old FROM rekeyed);
DROP TABLE rekeyed;

-- 3. Names shown to others lose bidirectional controls and zero-width characters
-- (U+202A-202E, U+2066-2069, U+200E, U+200F, U+061C, U+200B-200D, U+2060, U+FEFF), which
-- made a name display as something else; new names are cleaned where they enter.
UPDATE users SET first_name =
    replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(replace(first_name,
        char(0x202A), ''), char(0x202B), ''), char(0x202C), ''), char(0x202D), ''),
        char(0x202E), ''), char(0x2066), ''), char(0x2067), ''), char(0x2068), ''),
        char(0x2069), ''), char(0x200E), ''), char(0x200F), ''), char(0x061C), ''),
        char(0x200B), ''), char(0x200C), ''), char(0x200D), ''), char(0x2060), ''),
        char(0xFEFF), '')
    WHERE first_name IS NOT NULL;
UPDATE users SET last_name =
    replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(replace(last_name,
        char(0x202A), ''), char(0x202B), ''), char(0x202C), ''), char(0x202D), ''),
        char(0x202E), ''), char(0x2066), ''), char(0x2067), ''), char(0x2068), ''),
        char(0x2069), ''), char(0x200E), ''), char(0x200F), ''), char(0x061C), ''),
        char(0x200B), ''), char(0x200C), ''), char(0x200D), ''), char(0x2060), ''),
        char(0xFEFF), '')
    WHERE last_name IS NOT NULL;
UPDATE peer_groups SET name =
    replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(replace(name,
        char(0x202A), ''), char(0x202B), ''), char(0x202C), ''), char(0x202D), ''),
        char(0x202E), ''), char(0x2066), ''), char(0x2067), ''), char(0x2068), ''),
        char(0x2069), ''), char(0x200E), ''), char(0x200F), ''), char(0x061C), ''),
        char(0x200B), ''), char(0x200C), ''), char(0x200D), ''), char(0x2060), ''),
        char(0xFEFF), '')
    WHERE name IS NOT NULL;
UPDATE peer_groups SET chat_title =
    replace(replace(replace(replace(replace(replace(replace(replace(replace(
    replace(replace(replace(replace(replace(replace(replace(replace(chat_title,
        char(0x202A), ''), char(0x202B), ''), char(0x202C), ''), char(0x202D), ''),
        char(0x202E), ''), char(0x2066), ''), char(0x2067), ''), char(0x2068), ''),
        char(0x2069), ''), char(0x200E), ''), char(0x200F), ''), char(0x061C), ''),
        char(0x200B), ''), char(0x200C), ''), char(0x200D), ''), char(0x2060), ''),
        char(0xFEFF), '')
    WHERE chat_title IS NOT NULL;

-- 4. How many registered people share a place, asked on every update (the anonymity
-- question warns the only registered reporter of a place that she can still be guessed).
CREATE INDEX users_registered_place ON users(place_code) WHERE privacy_accepted_at IS NOT NULL;
