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
