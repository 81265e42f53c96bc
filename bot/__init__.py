"""paperbot core: platform- and storage-agnostic paper digests."""
