"""core/alerts"""
