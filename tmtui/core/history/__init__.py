"""core/history"""
