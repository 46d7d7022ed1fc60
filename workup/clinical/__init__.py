"""Clinical knowledge as data plus small pure functions. Every number cites its source.

Sources are the keys of ../shared/clinical/gbs-pathway.md ("Sources"): S1 Lawn 2001, S3 Walgaard
2010, S7 NICE QS56, S8 Asbury-Cornblath, ...; [local] marks a default chosen by this product.
"""
