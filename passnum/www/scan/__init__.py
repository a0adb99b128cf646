"""The scanning page of a place's staff (issue #9, SPEC §3.5): passes typed, read by a handheld
scanner or by the camera, checked before confirming, redeemed for a service of the place's
offer, and undone within the delay; the place's recent scans."""
