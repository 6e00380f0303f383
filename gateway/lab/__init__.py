"""The local lab: a real SIP far end (sipp) standing in for the phones behind the trunk."""
