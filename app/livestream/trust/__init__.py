"""Trust in the live (Law 122/2025/QH15 duties), one module per seam:

    models     the rules' versions, viewers' reports, the host's warnings
    rules      the livestream rules page: versioned, Vietnamese and English, a built-in first version
    reports    a viewer's report with its evidence; the moderation queue (admin: all; seller: their lives, masked)
    stop       the admin's stop-the-live: ended, publisher refused, page withheld until reviewed
    overlays   the host's warning over the video, kept with its time for the replay
    checklist  the pre-live checklist (a registry of checks), the host chosen, the rules acknowledged
    archive    one JSON archive per live for the seller and the admin

Services add and flush and raise domain errors; the caller commits once."""
